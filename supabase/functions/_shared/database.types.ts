export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[];

export type Database = {
  public: {
    Tables: {
      invitations: {
        Row: {
          created_at: string;
          invited_by: string | null;
          org_id: string;
          role: Database["public"]["Enums"]["org_role"];
          user_id: string;
        };
        Insert: {
          created_at?: string;
          invited_by?: string | null;
          org_id: string;
          role?: Database["public"]["Enums"]["org_role"];
          user_id: string;
        };
        Update: {
          created_at?: string;
          invited_by?: string | null;
          org_id?: string;
          role?: Database["public"]["Enums"]["org_role"];
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "invitations_org_id_fkey";
            columns: ["org_id"];
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      memberships: {
        Row: {
          created_at: string;
          org_id: string;
          role: Database["public"]["Enums"]["org_role"];
          user_id: string;
        };
        Insert: {
          created_at?: string;
          org_id: string;
          role?: Database["public"]["Enums"]["org_role"];
          user_id: string;
        };
        Update: {
          created_at?: string;
          org_id?: string;
          role?: Database["public"]["Enums"]["org_role"];
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "memberships_org_id_fkey";
            columns: ["org_id"];
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      organizations: {
        Row: {
          created_at: string;
          created_by: string | null;
          id: string;
          name: string;
          updated_at: string;
        };
        Insert: {
          created_at?: string;
          created_by?: string | null;
          id?: string;
          name: string;
          updated_at?: string;
        };
        Update: {
          created_at?: string;
          created_by?: string | null;
          id?: string;
          name?: string;
          updated_at?: string;
        };
        Relationships: [];
      };
      profiles: {
        Row: {
          created_at: string;
          display_name: string | null;
          id: string;
          updated_at: string;
        };
        Insert: {
          created_at?: string;
          display_name?: string | null;
          id: string;
          updated_at?: string;
        };
        Update: {
          created_at?: string;
          display_name?: string | null;
          id?: string;
          updated_at?: string;
        };
        Relationships: [];
      };
      questions: {
        Row: {
          created_at: string;
          id: string;
          org_id: string;
          position: number;
          prompt: string;
          survey_id: string;
        };
        Insert: {
          created_at?: string;
          id?: string;
          org_id: string;
          position: number;
          prompt: string;
          survey_id: string;
        };
        Update: {
          created_at?: string;
          id?: string;
          org_id?: string;
          position?: number;
          prompt?: string;
          survey_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "questions_org_id_survey_id_fkey";
            columns: ["org_id", "survey_id"];
            referencedRelation: "surveys";
            referencedColumns: ["org_id", "id"];
          },
        ];
      };
      recordings: {
        Row: {
          created_at: string;
          created_by: string | null;
          duration_ms: number;
          id: string;
          mime_type: string;
          object_path: string;
          org_id: string;
          question_id: string;
          response_id: string;
          size_bytes: number;
          survey_id: string;
        };
        Insert: {
          created_at?: string;
          created_by?: string | null;
          duration_ms: number;
          id?: string;
          mime_type: string;
          object_path: string;
          org_id: string;
          question_id: string;
          response_id: string;
          size_bytes: number;
          survey_id: string;
        };
        Update: {
          created_at?: string;
          created_by?: string | null;
          duration_ms?: number;
          id?: string;
          mime_type?: string;
          object_path?: string;
          org_id?: string;
          question_id?: string;
          response_id?: string;
          size_bytes?: number;
          survey_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "recordings_org_id_survey_id_question_id_fkey";
            columns: ["org_id", "survey_id", "question_id"];
            referencedRelation: "questions";
            referencedColumns: ["org_id", "survey_id", "id"];
          },
          {
            foreignKeyName: "recordings_org_id_survey_id_response_id_fkey";
            columns: ["org_id", "survey_id", "response_id"];
            referencedRelation: "responses";
            referencedColumns: ["org_id", "survey_id", "id"];
          },
        ];
      };
      responses: {
        Row: {
          completed_at: string | null;
          id: string;
          org_id: string;
          respondent_ref: string | null;
          started_at: string;
          survey_id: string;
        };
        Insert: {
          completed_at?: string | null;
          id?: string;
          org_id: string;
          respondent_ref?: string | null;
          started_at?: string;
          survey_id: string;
        };
        Update: {
          completed_at?: string | null;
          id?: string;
          org_id?: string;
          respondent_ref?: string | null;
          started_at?: string;
          survey_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "responses_org_id_survey_id_fkey";
            columns: ["org_id", "survey_id"];
            referencedRelation: "surveys";
            referencedColumns: ["org_id", "id"];
          },
        ];
      };
      surveys: {
        Row: {
          created_at: string;
          created_by: string | null;
          deleted_at: string | null;
          deleted_by: string | null;
          id: string;
          org_id: string;
          slug: string;
          title: string;
          updated_at: string;
        };
        Insert: {
          created_at?: string;
          created_by?: string | null;
          deleted_at?: string | null;
          deleted_by?: string | null;
          id?: string;
          org_id: string;
          slug: string;
          title: string;
          updated_at?: string;
        };
        Update: {
          created_at?: string;
          created_by?: string | null;
          deleted_at?: string | null;
          deleted_by?: string | null;
          id?: string;
          org_id?: string;
          slug?: string;
          title?: string;
          updated_at?: string;
        };
        Relationships: [
          {
            foreignKeyName: "surveys_org_id_fkey";
            columns: ["org_id"];
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      transcripts: {
        Row: {
          body: string;
          created_at: string;
          id: string;
          language: string;
          org_id: string;
          recording_id: string;
          survey_id: string;
        };
        Insert: {
          body: string;
          created_at?: string;
          id?: string;
          language?: string;
          org_id: string;
          recording_id: string;
          survey_id: string;
        };
        Update: {
          body?: string;
          created_at?: string;
          id?: string;
          language?: string;
          org_id?: string;
          recording_id?: string;
          survey_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "transcripts_org_id_survey_id_recording_id_fkey";
            columns: ["org_id", "survey_id", "recording_id"];
            referencedRelation: "recordings";
            referencedColumns: ["org_id", "survey_id", "id"];
          },
        ];
      };
    };
    Views: {
      [_ in never]: never;
    };
    Functions: {
      accept_invitation: {
        Args: { p_org_id: string };
        Returns: {
          created_at: string;
          org_id: string;
          role: Database["public"]["Enums"]["org_role"];
          user_id: string;
        };
        SetofOptions: {
          from: "*";
          to: "memberships";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      audit_events: {
        Args: { p_before?: string; p_limit?: number; p_org_id: string };
        Returns: {
          action: string;
          actor_id: string;
          actor_job: string;
          actor_kind: string;
          details: Json;
          occurred_at: string;
          reason: string;
          request_id: string;
          target_id: string;
          target_table: string;
        }[];
      };
      cancel_account_deletion: {
        Args: Record<PropertyKey, never>;
        Returns: undefined;
      };
      create_organization: {
        Args: { p_name: string };
        Returns: {
          created_at: string;
          created_by: string | null;
          id: string;
          name: string;
          updated_at: string;
        };
        SetofOptions: {
          from: "*";
          to: "organizations";
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      delete_organization: { Args: { p_org_id: string }; Returns: Json };
      delete_survey: {
        Args: { p_reason?: string; p_survey_id: string };
        Returns: {
          deleted_at: string;
          purge_after: string;
          survey_id: string;
        }[];
      };
      my_account_deletion: {
        Args: Record<PropertyKey, never>;
        Returns: {
          due_at: string;
          request_id: string;
          requested_at: string;
          status: string;
        }[];
      };
      request_account_deletion: {
        Args: { p_user_id?: string };
        Returns: {
          due_at: string;
          request_id: string;
          requested_at: string;
        }[];
      };
      restore_survey: {
        Args: { p_survey_id: string };
        Returns: {
          restored_at: string;
          survey_id: string;
        }[];
      };
      survey_trash: {
        Args: { p_org_id: string };
        Returns: {
          deleted_at: string;
          deleted_by: string;
          purge_after: string;
          slug: string;
          survey_id: string;
          title: string;
        }[];
      };
    };
    Enums: {
      org_role: "owner" | "admin" | "member";
    };
    CompositeTypes: {
      [_ in never]: never;
    };
  };
};

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">;

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">];

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof (
      & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
      & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"]
    )
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals;
} ? (
    & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"]
  )[TableName] extends {
    Row: infer R;
  } ? R
  : never
  : DefaultSchemaTableNameOrOptions extends keyof (
    & DefaultSchema["Tables"]
    & DefaultSchema["Views"]
  ) ? (
      & DefaultSchema["Tables"]
      & DefaultSchema["Views"]
    )[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R;
    } ? R
    : never
  : never;

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals;
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends
    {
      Insert: infer I;
    } ? I
  : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I;
    } ? I
    : never
  : never;

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals;
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends
    {
      Update: infer U;
    } ? U
  : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U;
    } ? U
    : never
  : never;

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals;
} ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
  : never;

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals;
} ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][
    CompositeTypeName
  ]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
  : never;

export const Constants = {
  public: {
    Enums: {
      org_role: ["owner", "admin", "member"],
    },
  },
} as const;
